//go:build !unix

package inspect

func stackLimit() int64 { return 0 }
