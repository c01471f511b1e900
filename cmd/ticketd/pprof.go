package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// pprofFlag adds --pprof-addr: where to serve Go's profiler
// (/debug/pprof/...), for profiling a running server under load (the
// benchmark harness uses it). Off by default; it exposes internals, so give
// it a loopback address.
func pprofFlag(fs *flag.FlagSet, dst *string) {
	fs.StringVar(dst, "pprof-addr", "", "serve Go's pprof profiler on this address, e.g. 127.0.0.1:6060 (empty: off)")
}

// startPprof serves the profiler on its own listener, apart from the API,
// so no route of any surface can reach it.
func (m *Main) startPprof() error {
	if m.Config.PprofAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.PprofAddr)
	if err != nil {
		return fmt.Errorf("--pprof-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.pprofServer = &http.Server{Handler: mux}
	go func() {
		if err := m.pprofServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.logger.Error("pprof", "err", err)
		}
	}()
	m.logger.Info("pprof listening", "addr", ln.Addr().String())
	return nil
}
