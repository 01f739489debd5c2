//go:build !unix

package main

func stackLimit() int64 { return 0 }
