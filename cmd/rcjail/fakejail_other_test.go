//go:build !linux

package main

// fakeInitCmdline: only Linux's native host reads a jail's command line.
func fakeInitCmdline(string) error { return nil }
