package main

import "runtime"

func procs() int { return runtime.GOMAXPROCS(0) }
