// Package sampler is the training input pipeline: it turns an in-memory
// [dataset.Dataset] into a stream of flat float32 batches, in the style of a
// tf.data chain
//
//	indices -> shuffle(seed) -> map(copy + augment, parallel, ordered) -> batch -> prefetch
//
// A [Sampler] is built once with [New] from a dataset, the list of example
// indices to draw (duplicates allowed, which is how [Upsample] oversamples the
// slow-learnable examples), optional per-example loss weights and a [Config].
// Each call to [Sampler.Epoch] starts one pass, an [Iterator] whose
// [Iterator.Next] returns batches until [io.EOF]:
//
//	s := sampler.New(ds, sampler.Upsample(ds.Len(), slow, 2), nil, &sampler.Config{
//		BatchSize: 128, Seed: 1, Shuffle: true, Augment: flip,
//	})
//	for epoch := range epochs {
//		it := s.Epoch(epoch)
//		for {
//			b, err := it.Next()
//			if err == io.EOF {
//				break
//			} else if err != nil {
//				return err
//			}
//			train(b.Images, b.Labels, b.Weights) // b.N examples
//			it.Release(b)                        // recycle the buffers
//		}
//	}
//
// # Determinism
//
// Randomness comes only from Config.Seed, through PCG generators
// (math/rand/v2). The order of an epoch is a Fisher-Yates shuffle seeded from
// (Seed, epoch); the generator handed to the [Augmenter] for an example is
// seeded from (Seed, epoch, position of the example in the epoch). So the
// batches of an epoch, their order, contents and augmented pixels, depend only
// on the dataset, the index list, the weights, the Config fields other than
// Workers and Prefetch, and the epoch number: never on the number of workers,
// GOMAXPROCS or scheduling.
//
// # Structure
//
// Each transformation is a small type in its own file: the index source
// (source.go) and the seeded shuffle (shuffle.go) build the order of an epoch;
// the per-example map (map.go) copies an example out of the dataset
// (converting a pixel dataset's bytes to float32, fused with the
// augmentation when the Augmenter is a [PixelAugmenter]) and
// augments it; the batcher (batch.go) cuts the order into batches; the
// parallel ordered map (pmap.go) runs batch assembly on worker goroutines and
// emits the batches in order; the prefetcher (prefetch.go) keeps batches ready
// ahead of the consumer. As in tf.data's map-and-batch fusion, the map runs per
// example but is scheduled one batch at a time, writing straight into the
// batch buffer, so synchronisation costs are paid per batch and not per
// example. Batch buffers come from a free list (pool.go) and go back to it on
// [Iterator.Release], so a training loop that releases its batches does not
// allocate per batch.
package sampler
