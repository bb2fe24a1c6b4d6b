package alloc

import (
	"math/rand/v2"
	"sync"
)

// pools hold reusable buffers: one per small size rounded to 16 B, and one
// for the large size. Rounding keeps the pool count bounded while still
// returning a buffer of the size asked for.
type pools struct {
	bytes [](sync.Pool) // index: size/16
	ptrs  [](sync.Pool)
	large sync.Pool
}

func newPools(w *workload) *pools {
	n := w.smallMax/16 + 1
	p := &pools{bytes: make([]sync.Pool, n), ptrs: make([]sync.Pool, n)}
	for i := range n {
		size := i * 16
		p.bytes[i].New = func() any { b := make([]byte, size); return &b }
		p.ptrs[i].New = func() any { s := make([]*byte, size/8); return &s }
	}
	p.large.New = func() any { b := make([]byte, w.largeSize); return &b }
	return p
}

// obj is one allocated object. It is a struct of typed fields rather than
// an interface so that holding an object costs no allocation of its own.
type obj struct {
	t  *uint64
	u  []uint64 // built by append (appendLen)
	b  []byte
	p  []*byte
	pb *[]byte  // pooled byte buffer to give back
	pp *[]*byte // pooled pointer buffer to give back
}

// allocator is one goroutine's state. It lives on the heap, so storing an
// object in sink or ring makes the object escape: the compiler cannot
// move the allocation to the stack.
type allocator struct {
	w     *workload
	pools *pools
	ring  []obj
	next  int
	rng   *rand.Rand
	sink  obj
}

// one allocates (or takes from a pool) one object, touches it, retains it
// with probability retain, and returns its size.
func (a *allocator) one() int {
	w := a.w
	r := a.rng.Float64()
	var o obj
	size := 8
	switch {
	case r < w.tiny:
		o.t = new(uint64)
		*o.t = uint64(a.next)
	case r < w.small && w.appendLen > 0:
		size = 8 * w.appendLen
		a.appended(&o)
	case r < w.small:
		size = 16 + 16*a.rng.IntN((w.smallMax-16)/16+1)
		a.small(&o, size)
	default:
		size = w.largeSize
		a.large(&o)
	}
	if w.retain > 0 && a.rng.Float64() < w.retain {
		a.release(a.ring[a.next])
		a.ring[a.next] = o
		a.next = (a.next + 1) % len(a.ring)
		return size
	}
	a.sink = o
	a.release(o)
	return size
}

func (a *allocator) small(o *obj, size int) {
	switch {
	case a.w.pointers && a.w.pool:
		o.pp = a.pools.ptrs[size/16].Get().(*[]*byte)
		o.p = *o.pp
	case a.w.pointers:
		o.p = make([]*byte, size/8)
	case a.w.pool:
		o.pb = a.pools.bytes[size/16].Get().(*[]byte)
		o.b = *o.pb
	default:
		o.b = make([]byte, size)
	}
	if o.b != nil {
		o.b[0] = 1
	} else {
		o.p[0] = nil
	}
}

// appended fills a slice of appendLen elements one append at a time, from
// nil (the runtime grows it: about twice the final bytes allocated in all)
// or from its final capacity (prealloc: one allocation).
func (a *allocator) appended(o *obj) {
	var u []uint64
	if a.w.prealloc {
		u = make([]uint64, 0, a.w.appendLen)
	}
	for i := range a.w.appendLen {
		u = append(u, uint64(i))
	}
	o.u = u
}

func (a *allocator) large(o *obj) {
	if a.w.pool {
		o.pb = a.pools.large.Get().(*[]byte)
		o.b = *o.pb
	} else {
		o.b = make([]byte, a.w.largeSize)
	}
	o.b[0] = 1
}

// release gives a pooled buffer back once nothing holds it any more.
func (a *allocator) release(o obj) {
	switch {
	case o.pp != nil:
		a.pools.ptrs[len(*o.pp)*8/16].Put(o.pp)
	case o.pb != nil && len(*o.pb) == a.w.largeSize:
		a.pools.large.Put(o.pb)
	case o.pb != nil:
		a.pools.bytes[len(*o.pb)/16].Put(o.pb)
	}
}
