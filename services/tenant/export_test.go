package tenant

import "github.com/eim-byoi/eim/services/module"

// FactoryStoppingBefore builds the module with a hook that stops every deletion before step
// (as a crash there would): tests only, production cannot set it.
func FactoryStoppingBefore(step Step) module.Factory {
	return func(deps module.Deps) (module.Module, error) {
		m, err := Factory(deps)
		if err != nil {
			return nil, err
		}
		m.(*Module).beforeStep = func(s Step) error {
			if s == step {
				return errStopped
			}
			return nil
		}
		return m, nil
	}
}
