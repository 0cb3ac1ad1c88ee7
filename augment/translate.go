package augment

// TranslateX writes to dst the h x w x c image src shifted right by px pixels
// (left if px < 0), filling with 0, as torchvision's TrivialAugmentWide op
// "TranslateX" (F.affine with translate=[px, 0], nearest, fill 0). The op
// passes int(magnitude) there, truncating toward zero; [Apply] does the same.
//
// dst may be src itself but must not otherwise overlap it. It panics if a
// length does not match h*w*c.
func TranslateX(dst, src []float32, h, w, c int, px int) {
	affineOp("TranslateX", dst, src, h, w, c, inverseAffine(0, 0, 0, float64(px), 0, 1, 0, 0))
}

// TranslateY writes to dst the h x w x c image src shifted down by px pixels
// (up if px < 0), filling with 0, as torchvision's TrivialAugmentWide op
// "TranslateY" (F.affine with translate=[0, px], nearest, fill 0).
//
// dst may be src itself but must not otherwise overlap it. It panics if a
// length does not match h*w*c.
func TranslateY(dst, src []float32, h, w, c int, px int) {
	affineOp("TranslateY", dst, src, h, w, c, inverseAffine(0, 0, 0, 0, float64(px), 1, 0, 0))
}
