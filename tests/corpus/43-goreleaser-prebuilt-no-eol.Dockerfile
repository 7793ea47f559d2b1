FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/gh-stats /usr/bin/gh-stats
ENTRYPOINT ["/usr/bin/gh-stats"]