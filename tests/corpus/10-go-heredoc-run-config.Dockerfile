# syntax=docker/dockerfile:1.4
FROM golang:1.23-bookworm AS build

RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends protobuf-compiler
rm -rf /var/lib/apt/lists/*
go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.34.2
go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.4.0
EOF

WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN <<EOF
set -e
protoc --go_out=. --go_opt=paths=source_relative \
       --go-grpc_out=. --go-grpc_opt=paths=source_relative \
       proto/greeter/v1/*.proto
CGO_ENABLED=0 go build -trimpath -o /out/greeter ./cmd/greeter
EOF

FROM gcr.io/distroless/static-debian12:nonroot
COPY <<config.yaml <<logging.yaml /etc/greeter/
listen: ":50051"
reflection: true
logging: /etc/greeter/logging.yaml
config.yaml
level: info
format: json
logging.yaml
COPY --from=build /out/greeter /usr/local/bin/greeter
USER 65532:65532
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/greeter", "--config", "/etc/greeter/config.yaml"]
