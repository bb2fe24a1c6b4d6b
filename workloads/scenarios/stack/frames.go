package stack

// frame is the set of local arrays a recursion frame can hold. Each size is
// its own GC shape, so the compiler stencils a separate descend for each,
// with the array in its stack frame.
type frame interface {
	[64]byte | [128]byte | [256]byte | [512]byte | [1 << 10]byte | [2 << 10]byte |
		[4 << 10]byte | [8 << 10]byte | [16 << 10]byte | [32 << 10]byte | [64 << 10]byte
}

// descender recurses depth frames and calls bottom in the deepest one.
type descender func(depth int, seed byte, bottom func()) byte

// descenders maps frameBytes to its recursion.
var descenders = map[int64]descender{
	64: descend[[64]byte], 128: descend[[128]byte], 256: descend[[256]byte], 512: descend[[512]byte],
	1 << 10: descend[[1 << 10]byte], 2 << 10: descend[[2 << 10]byte], 4 << 10: descend[[4 << 10]byte],
	8 << 10: descend[[8 << 10]byte], 16 << 10: descend[[16 << 10]byte], 32 << 10: descend[[32 << 10]byte],
	64 << 10: descend[[64 << 10]byte],
}

// descend holds an F of locals, writes a byte in every cache line of it,
// recurses, and folds the locals into its result after the call returns.
// Reading the locals after the call keeps them live across it, so neither
// the array nor the frame can be optimised away, and noinline keeps one
// real frame per level.
//
//go:noinline
func descend[F frame](depth int, seed byte, bottom func()) byte {
	var locals F
	for i := 0; i < len(locals); i += 64 {
		locals[i] = seed + byte(i>>6)
	}
	if depth > 1 {
		locals[0] ^= descend[F](depth-1, locals[len(locals)-64]+1, bottom)
	} else {
		bottom()
	}
	var sum byte
	for i := 0; i < len(locals); i += 64 {
		sum += locals[i]
	}
	return sum
}
