// Command etcd is etcd's own server, built for tools/kubernetes.sh: the
// API server of Kubernetes 1.36 needs etcd 3.5 or later for watch progress
// requests (RequestWatchProgress), and Debian has 3.4.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
