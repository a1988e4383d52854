# syntax=docker/dockerfile:1
# mpool: build the server module with Maven + JDK 17, run it on a slim JRE 17 as user 10001.
#   docker build -t mpool:0.1.0-SNAPSHOT .
#   docker run --rm -m 512m --stop-timeout 20 -p 8080:8080 -p 9090:9090 -e MPOOL_ADMIN_TOKEN=change-me mpool:0.1.0-SNAPSHOT
# Needs BuildKit (the default builder since Docker 23) for the Maven cache mount.
# Kept honest by server/src/test/java/io/mpool/server/docker/ (runs in mvn -B verify), and built and
# run for real by deploy/image/smoke.sh (podman).

# The base images, as build arguments so the same file builds from stand-ins where Docker Hub is out
# of reach (deploy/image/smoke.sh: --build-arg BUILD_IMAGE=... --build-arg RUNTIME_IMAGE=...).
ARG BUILD_IMAGE=maven:3.9.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17.0.13_11-jre-jammy

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Every module's pom (the reactor reads them all), then only the sources the server needs.
COPY pom.xml ./
COPY mempool/pom.xml mempool/
COPY server/pom.xml server/
COPY loadtest/pom.xml loadtest/
COPY mempool/src mempool/src
COPY server/src server/src
# Downloads live in a BuildKit cache, outside the layers: a source change rebuilds without
# downloading Maven's dependencies and plugins again. -pl server -am: no load generator, no JMH.
RUN --mount=type=cache,target=/root/.m2/repository mvn -B -q package -DskipTests -pl server -am

FROM ${RUNTIME_IMAGE}
ARG RUNTIME_IMAGE
LABEL org.opencontainers.image.title="mpool" \
      org.opencontainers.image.description="HTTP/1.1 server on Undertow with an nginx-style region allocator per connection" \
      org.opencontainers.image.version="0.1.0-SNAPSHOT" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
RUN groupadd --system --gid 10001 mpool \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin mpool
COPY --from=build /src/server/target/mpool-server.jar /opt/mpool/mpool-server.jar
# entrypoint: memory flags from the container's limit (heap, direct memory, --arena-max), then
# exec java. probe: one GET over bash's /dev/tcp for health checks, no second JVM.
COPY --chmod=755 deploy/image/entrypoint.sh /opt/mpool/entrypoint
COPY --chmod=755 deploy/image/probe.sh /opt/mpool/probe
# Inside a container the admin endpoint must be reachable through -p, so it binds to all
# interfaces; without MPOOL_ADMIN_TOKEN the server generates a token and prints it once.
# The shutdown grace stays under docker stop's default 10 s; the close-out after it is bounded by
# 10 s more, hence --stop-timeout 20 above.
ENV MPOOL_HOST=0.0.0.0 \
    MPOOL_PORT=8080 \
    MPOOL_ADMIN_HOST=0.0.0.0 \
    MPOOL_ADMIN_PORT=9090 \
    MPOOL_SHUTDOWN_GRACE=5s \
    MALLOC_ARENA_MAX=2 \
    JAVA_OPTS=""
USER 10001:10001
EXPOSE 8080 9090
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/opt/mpool/probe", "/hello"]
ENTRYPOINT ["/opt/mpool/entrypoint"]
