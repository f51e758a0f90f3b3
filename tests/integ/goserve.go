// SPDX-License-Identifier: ISC
//
// goserve: a Go HTTP server and client for tests/integ/kernel_go.sh.
// Go makes its socket calls as raw system calls: the LD_PRELOAD
// interposer never sees them, only the kernel's BPF programs do.
//
//	goserve serve NAME PORT LOPORT	":PORT" answers "NAME ADDR" (the
//					client's address); 127.0.0.1:LOPORT
//					answers "NAME local"
//	goserve get URL			print the body
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) == 5 && os.Args[1] == "serve" {
		name := os.Args[2]
		lo := http.NewServeMux()
		lo.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s local\n", name)
		})
		go func() {
			fmt.Fprintln(os.Stderr, http.ListenAndServe("127.0.0.1:"+os.Args[4], lo))
			os.Exit(1)
		}()
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			fmt.Fprintf(w, "%s %s\n", name, host)
		})
		fmt.Fprintln(os.Stderr, http.ListenAndServe(":"+os.Args[3], mux))
		os.Exit(1)
	}
	if len(os.Args) == 3 && os.Args[1] == "get" {
		c := http.Client{Timeout: 3 * time.Second}
		r, err := c.Get(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		io.Copy(os.Stdout, r.Body)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: goserve serve NAME PORT LOPORT | get URL")
	os.Exit(2)
}
