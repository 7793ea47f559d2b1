FROM golang:1.22-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
# keep the module cache between builds
CACHE /go/pkg/mod
RUN go mod download
COPY . .
RUN go build -o /bin/feeds ./cmd/feeds

FROM alpine:3.20
COPY --from=build /bin/feeds /bin/feeds
CMD ["/bin/feeds"]
