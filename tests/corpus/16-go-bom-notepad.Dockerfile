# syntax=docker/dockerfile:1
FROM golang:1.21-alpine AS build
WORKDIR /src
COPY . .
RUN go mod download
RUN CGO_ENABLED=0 go build -o /bin/reporter ./cmd/reporter

FROM alpine:3.18
COPY --from=build /bin/reporter /bin/reporter
ENTRYPOINT ["/bin/reporter"]
