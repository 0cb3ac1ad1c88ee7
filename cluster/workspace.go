package cluster

// workspace holds the state of one k-means restart. Its buffers are reused
// from restart to restart, so a restart allocates nothing.
type workspace struct {
	n, d, k int

	labels []int     // cluster of each row, -1 before the first pass
	upper  []float64 // upper bound on the distance of each row to its centroid
	lower  []float64 // lower bound on its distance to any other centroid
	d2     []float64 // scratch: squared distances (seeding, re-seeding)

	cent   []float64 // k x d centroids, row-major
	ref    []float64 // k x d reference point of each cluster's sums
	sums   []float64 // k x d sums of (row - ref) over each cluster
	counts []int     // rows per cluster
	live   []bool    // cluster has a centroid
	active []int     // indices of live clusters, increasing
	half   []float64 // half the distance from each centroid to the nearest other
	shift  []float64 // distance each centroid moved in the last update (scratch in finish)
	next   []float64 // scratch: one new centroid

	// Bounds: in modeHamerly upper and lower bound the distances to the
	// own and the nearest other centroid; in modePlane lower bounds the
	// distance-like margin of each row from the bisector pl.
	mode   int
	pl     plane
	oldDir []float64 // scratch: the previous pl.dir
	geo    *geometry // shared by the restarts of a run

	restart    int     // index of the restart held
	inertia    float64 // sum of squared distances after the restart
	iterations int     // assignment passes of the restart
}

func newWorkspace(n, d, k int) *workspace {
	return &workspace{
		n: n, d: d, k: k,
		labels: make([]int, n),
		upper:  make([]float64, n),
		lower:  make([]float64, n),
		d2:     make([]float64, n),
		cent:   make([]float64, k*d),
		ref:    make([]float64, k*d),
		sums:   make([]float64, k*d),
		counts: make([]int, k),
		live:   make([]bool, k),
		active: make([]int, 0, k),
		half:   make([]float64, k),
		shift:  make([]float64, k),
		next:   make([]float64, d),
		pl:     plane{dir: make([]float64, d), mid: make([]float64, d)},
		oldDir: make([]float64, d),
	}
}

// Bound modes; see workspace.mode.
const (
	modeNone = iota
	modeHamerly
	modePlane
)

// centroid returns centroid j, aliasing w.cent.
func (w *workspace) centroid(j int) []float64 { return w.cent[j*w.d : j*w.d+w.d : j*w.d+w.d] }

// sum returns the accumulator of cluster j, aliasing w.sums.
func (w *workspace) sum(j int) []float64 { return w.sums[j*w.d : j*w.d+w.d : j*w.d+w.d] }

// reference returns the reference point of cluster j, aliasing w.ref.
func (w *workspace) reference(j int) []float64 { return w.ref[j*w.d : j*w.d+w.d : j*w.d+w.d] }

// better reports whether w is a better restart than v: lower inertia, and
// on equal inertia the lower restart index.
func (w *workspace) better(v *workspace) bool {
	return w.inertia < v.inertia || (w.inertia == v.inertia && w.restart < v.restart)
}
