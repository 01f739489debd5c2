package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"rcjail/compat"
	"rcjail/rcconf"
)

func init() {
	register(&command{
		name:  "prepare",
		usage: "prepare jail ...   create a jail's mount points, skeleton links and writable tree",
		run:   runPrepare,
	})
}

func runPrepare(ctx context.Context, g *Globals, args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(g.Stderr, "%s: usage: prepare jail ...\n", g.Name)
		return 2
	}
	cfg, err := prepLoadConfig(ctx, g, args)
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	return prepareJails(g, cfg, args)
}

// prepLoadConfig evaluates rc.conf under -R and resolves the named jails.
func prepLoadConfig(ctx context.Context, g *Globals, names []string) (*compat.Config, error) {
	v, err := rcconf.Load(ctx, rcconf.Options{Root: g.Root})
	if err != nil {
		return nil, fmt.Errorf("load rc.conf under %s: %w", g.Root, err)
	}
	r, err := os.OpenRoot(g.Root)
	if err != nil {
		return nil, fmt.Errorf("open root %s: %w", g.Root, err)
	}
	defer r.Close()
	return compat.NewConfig(v, prepRootFS{r}, names)
}

// prepRootFS reads the files the configuration names (fstab, devfs.rules) by
// their host path, confined to the -R root.
type prepRootFS struct{ r *os.Root }

func (f prepRootFS) ReadFile(name string) ([]byte, error) {
	return f.r.ReadFile(strings.TrimPrefix(path.Clean("/"+name), "/"))
}
