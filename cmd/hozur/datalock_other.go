//go:build !unix

package main

import "hozur/config"

// lockDatabase does nothing where flock is not available: a restore there
// trusts the operator to have stopped the server.
func lockDatabase(config.Config) (func(), error) { return func() {}, nil }

// chownRestored does nothing where files have no Unix owner.
func chownRestored(string) error { return nil }
