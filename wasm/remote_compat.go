package main

import "oxlite/syncer"

// remoteClient hands the host's client (fetch in the browser) to
// syncer.Remote.
func remoteClient(d Doer) syncer.Doer { return d }
