FROM alpine:3.20 AS build
RUN apk add --no-cache build-base autoconf automake libtool linux-headers
WORKDIR /usr/src/tinyhttpd
COPY . .
RUN ./autogen.sh \
 && ./configure --prefix=/usr --disable-shared LDFLAGS="-static" \
 && make -j"$(nproc)" \
 && make install DESTDIR=/out \
 && strip /out/usr/bin/tinyhttpd

FROM scratch
COPY --from=build /out/usr/bin/tinyhttpd /tinyhttpd
COPY --chown=65534:65534 www/ /www/
USER 65534:65534
EXPOSE 8080
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/tinyhttpd", "-p", "8080", "-d", "/www"]
