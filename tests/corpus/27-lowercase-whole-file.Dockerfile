# build stage
from golang:1.22-alpine as build
arg VERSION=dev
workdir /go/src/github.com/acme/pinger
copy go.mod go.sum ./
run go mod download
copy . .
run ["go", "vet", "./..."]
run CGO_ENABLED=0 go build -ldflags "-X main.version=$VERSION" -o /pinger .

# final stage
from alpine:3.20
run apk --no-cache add ca-certificates
copy --from=build /pinger /usr/bin/pinger
expose 8080
user nobody
entrypoint ["/usr/bin/pinger"]
cmd ["-listen", ":8080"]
