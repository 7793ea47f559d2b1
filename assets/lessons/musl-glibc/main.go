// This program imports net, as every web service does. With cgo on, net
// uses the C library's resolver, so the binary is linked against libc and
// needs its loader at run time.
package main

import (
	"fmt"
	"net"
)

func main() {
	fmt.Println("Hello from", net.JoinHostPort("localhost", "8080"))
}
