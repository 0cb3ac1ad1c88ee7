package events

// CreateAt is Create with the clock as a parameter, for tests; firstStep nil
// writes no START record (the file TensorFlow 2 writes).
var CreateAt = create
