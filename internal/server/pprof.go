package server

import (
	"net/http"
	"net/http/pprof"
)

// Pprof is the handler of the profiling listener: net/http/pprof's
// handlers under /debug/pprof/ on a mux of its own. (Importing
// net/http/pprof also registers them on http.DefaultServeMux, which
// copydesk never serves.) The profiles reveal the process's memory and
// code paths: serve this only on a private address.
func Pprof() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
