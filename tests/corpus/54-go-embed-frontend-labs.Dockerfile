# syntax=docker/dockerfile:1.7-labs
FROM node:20-alpine AS ui
WORKDIR /ui
COPY web/package.json web/package-lock.json ./
RUN npm ci
COPY --exclude=node_modules --exclude=**/*.test.ts web/ ./
RUN npm run build

FROM golang:1.23-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY --parents cmd/dashboard/ internal/ pkg/ ./
COPY --from=ui /ui/dist ./internal/web/dist
RUN CGO_ENABLED=0 go build -tags netgo,osusergo -trimpath -o /out/dashboard ./cmd/dashboard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/dashboard /dashboard
USER nonroot
EXPOSE 3000
ENTRYPOINT ["/dashboard"]
