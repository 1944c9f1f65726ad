//go:build !unix

package main

import "errors"

var errStoreInUse = errors.New("store in use by another earshot process")

// lockStore is a no-op where flock is not available.
func lockStore(string) (func(), error) { return func() {}, nil }
