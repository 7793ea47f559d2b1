# syntax=docker/dockerfile:1
FROM rust:1.79-alpine AS build
RUN apk add --no-cache musl-dev openssh-client git ca-certificates
RUN mkdir -p -m 0700 ~/.ssh && ssh-keyscan gitlab.com >> ~/.ssh/known_hosts
ENV CARGO_NET_GIT_FETCH_WITH_CLI=true
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# docker build --ssh gitlab=$SSH_AUTH_SOCK .
RUN --mount=type=ssh,id=gitlab,required=true \
    --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git/db \
    cargo fetch --locked
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git/db \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --offline \
 && cp target/release/edge-proxy /usr/local/bin/edge-proxy

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /usr/local/bin/edge-proxy /edge-proxy
USER 10001
ENTRYPOINT ["/edge-proxy"]
