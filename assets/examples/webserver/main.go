// webserver is a small HTTP service for trying out runtime bases and health checks.
//
//	GET /         a greeting
//	GET /healthz  "ok": the container's health check asks this
//
// Run with -healthcheck, it is its own health check client: it GETs
// http://127.0.0.1:8080/healthz and exits 0 when the answer is 200 OK, 1 otherwise. Images
// without a shell or curl (scratch, distroless) can then still say
// HEALTHCHECK CMD ["/webserver", "-healthcheck"].
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const (
	listenAddr = ":8080"
	healthURL  = "http://127.0.0.1:8080/healthz"
)

func main() {
	healthcheck := flag.Bool("healthcheck", false, "GET "+healthURL+" and exit 0 if it answers 200, else 1")
	flag.Parse()
	if *healthcheck {
		os.Exit(check())
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Hello from a container!")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Addr: listenAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	// `docker stop` sends SIGTERM. The program runs as PID 1 in the container, and PID 1
	// gets no default signal handling, so without this it would be killed only after
	// docker's 10 s grace period. Catch the signal and shut down cleanly instead.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()

	log.Printf("listening on %s", listenAddr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("stopped")
}

// check is the health check client: 0 when /healthz answers 200 OK, 1 otherwise.
func check() int {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(healthURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "unhealthy:", resp.Status)
		return 1
	}
	return 0
}
