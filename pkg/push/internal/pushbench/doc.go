// Command pushbench holds the helpers of bench/push.bench.sh:
//
//	pushbench proxy -upstream HOST:PORT -ca CA -cert CRT -key KEY -stats FILE
//	    the counting proxy (regproxy): prints its host:port, serves until
//	    SIGTERM; SIGUSR1 writes the counters as JSON to FILE, SIGUSR2 zeroes
//	    them; FILE is written at exit too.
//	pushbench addlayer -src OCI_DIR -dst OCI_DIR -size BYTES
//	    copies the only image of an OCI layout with one more layer of
//	    incompressible data on top (what a changed last Containerfile step
//	    adds), base layers byte-identical, and prints that layer's
//	    compressed size.
package main
