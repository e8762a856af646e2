# Frontdesk in a container: built with the Rust toolchain, run on a slim Debian as a non-root
# user, the database on a volume.
#   docker build -t frontdesk .
#   docker run -d --name frontdesk -p 3000:3000 -v frontdesk-data:/data frontdesk
#   docker exec -it frontdesk frontdesk user create --role admin --username admin
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p frontdesk \
    && cp target/release/frontdesk /usr/local/bin/frontdesk

FROM debian:bookworm-slim
# ca-certificates: the shop's webhooks and ACME talk HTTPS to other hosts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin frontdesk \
    && mkdir /data && chown frontdesk:frontdesk /data && chmod 0700 /data
COPY --from=build /usr/local/bin/frontdesk /usr/local/bin/frontdesk
COPY LICENSE /usr/share/doc/frontdesk/LICENSE
USER frontdesk
WORKDIR /data
VOLUME ["/data"]
ENV FRONTDESK_ADDR=0.0.0.0:3000 \
    FRONTDESK_DB=/data/frontdesk.db \
    FRONTDESK_LOG_FORMAT=json
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
# SIGTERM (docker stop) stops it cleanly: everything acked is committed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["frontdesk"]
CMD ["serve"]
