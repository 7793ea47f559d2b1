// probe reports what the base image it runs on provides, one fact per line:
//
//	ca_certs=N               CA certificates Go finds (TLS to the internet needs them)
//	tz_berlin=ok|error: ...  whether time zones load (needs /usr/share/zoneinfo or -tags timetzdata)
//	uid=N user=NAME|error: ...  who runs the program, looked up in /etc/passwd
//	shell=yes|no             whether /bin/sh exists (RUN, CMD in shell form and `docker exec sh` need it)
//	port_http=N|error: ...   a service lookup through the net package (/etc/services, from netbase)
//
// It imports net and os/user on purpose: with CGO_ENABLED=1 both use libc (getpwuid_r,
// getaddrinfo, ...), so the binary is linked dynamically and needs the loader and glibc at
// run time. On scratch such a binary fails with "exec /probe: no such file or directory".
// It never touches the network, so it runs under `docker run --network none`.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/user"
	"time"
)

func main() {
	fmt.Println("ca_certs=" + caCerts())
	fmt.Println("tz_berlin=" + timeZone("Europe/Berlin"))
	fmt.Println(currentUser())
	fmt.Println("shell=" + shell())
	fmt.Println("port_http=" + httpPort())
}

// caCerts counts the certificates in the system pool, the one crypto/tls uses by default.
func caCerts() string {
	pool, err := x509.SystemCertPool()
	if err == nil {
		//lint:ignore SA1019 Subjects is deprecated for pools from SystemCertPool, but counting is fine.
		return fmt.Sprint(len(pool.Subjects()))
	}
	// Fall back to counting the PEM blocks of the usual bundle ourselves.
	data, ferr := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if ferr != nil {
		return fmt.Sprintf("0 (error: %v)", err)
	}
	n := 0
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			n++
		}
	}
	return fmt.Sprint(n)
}

func timeZone(name string) string {
	if _, err := time.LoadLocation(name); err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

func currentUser() string {
	uid := os.Getuid()
	u, err := user.Current()
	if err != nil {
		return fmt.Sprintf("uid=%d user=error: %v", uid, err)
	}
	return fmt.Sprintf("uid=%d user=%s", uid, u.Username)
}

func shell() string {
	if _, err := os.Stat("/bin/sh"); err != nil {
		return "no"
	}
	return "yes"
}

// httpPort asks the net package for the "http" service's port. It reads /etc/services and
// falls back to a small built-in table, so it answers 80 almost everywhere; what matters is
// that it brings in the net package (and, under cgo, libc).
func httpPort() string {
	port, err := net.LookupPort("tcp", "http")
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprint(port)
}
