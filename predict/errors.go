package predict

// BadInputError is an error of the input (options, model folder, image files
// or dataset) found before anything is written: a command exits with status
// 2 for it (1 for other errors).
type BadInputError struct{ Err error }

// Error returns the message of the underlying error.
func (e *BadInputError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *BadInputError) Unwrap() error { return e.Err }

func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &BadInputError{Err: err}
}
