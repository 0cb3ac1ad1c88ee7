package graphs

import "fmt"

// Devices lists the devices the model's session runs on, as
// "name (type, memory MiB)".
func (m *Model) Devices() ([]string, error) {
	if m.sm == nil {
		panic("graphs: model used after Close")
	}
	ds, err := m.sm.Session.ListDevices()
	if err != nil {
		return nil, fmt.Errorf("model folder %s: list devices: %w", m.dir, err)
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%s (%s, %d MiB)", d.Name, d.Type, d.MemoryLimitBytes>>20)
	}
	return out, nil
}
