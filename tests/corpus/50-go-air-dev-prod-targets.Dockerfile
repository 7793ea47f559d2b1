FROM golang:1.22-alpine AS base
WORKDIR /app
ENV GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download

# docker compose uses this target for local development (hot reload)
FROM base AS dev
RUN go install github.com/air-verse/air@v1.52.3 \
 && go install github.com/go-delve/delve/cmd/dlv@v1.23.0
# compose defines its own healthcheck for the dev container
HEALTHCHECK NONE
VOLUME /app
EXPOSE 8080 2345
CMD ["air", "-c", ".air.toml"]

FROM base AS build
COPY . .
RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /bin/api ./cmd/api

FROM scratch AS prod
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /bin/api /api
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/api"]
