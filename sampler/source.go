package sampler

// orderStage is one step in building the order of an epoch, the list of
// dataset indices the epoch draws, position by position: the index source
// writes the list and transformations such as the shuffle rewrite it. apply
// returns the order for epoch, reusing order's storage when it can; it must
// depend on nothing but its own fields, epoch and order.
type orderStage interface {
	apply(epoch int, order []int32) []int32
}

// indexSource is the first stage: it yields the index list given to New,
// duplicates included, in the given order.
type indexSource struct {
	list []int32
}

var _ orderStage = (*indexSource)(nil)

// apply ignores the content of order and returns a copy of the list, stored
// in order if it has the capacity.
func (s *indexSource) apply(_ int, order []int32) []int32 {
	if cap(order) < len(s.list) {
		order = make([]int32, len(s.list))
	}
	order = order[:len(s.list)]
	copy(order, s.list)
	return order
}

// len returns the number of examples per epoch.
func (s *indexSource) len() int { return len(s.list) }
