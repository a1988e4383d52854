# mpool: build with Maven + JDK 17, run on a slim JRE 17 as a non-root user.
#   docker build -t mpool .
#   docker run --rm -p 8080:8080 -p 9090:9090 -e MPOOL_ADMIN_TOKEN=change-me mpool
# Kept honest by server/src/test/java/io/mpool/server/docker/ (runs in mvn -B verify).

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
# Poms first, so dependency downloads are cached while only sources change.
COPY pom.xml ./
COPY mempool/pom.xml mempool/
COPY server/pom.xml server/
COPY loadtest/pom.xml loadtest/
COPY mempool/src mempool/src
COPY server/src server/src
COPY loadtest/src loadtest/src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17.0.13_11-jre-jammy
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mpool
COPY --from=build /src/server/target/mpool-server.jar /opt/mpool/mpool-server.jar
# Inside a container the admin endpoint must be reachable through -p, so it binds to all
# interfaces; without MPOOL_ADMIN_TOKEN the server generates a token and prints it once.
# Direct memory = arena (MPOOL_ARENA_MAX) + 64m for Undertow's and the JDK's own buffers.
ENV MPOOL_HOST=0.0.0.0 \
    MPOOL_PORT=8080 \
    MPOOL_ADMIN_HOST=0.0.0.0 \
    MPOOL_ADMIN_PORT=9090 \
    MPOOL_ARENA_MAX=256m \
    JAVA_OPTS="-XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=320m -XX:+ExitOnOutOfMemoryError"
USER mpool
EXPOSE 8080 9090
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["java", "-XX:TieredStopAtLevel=1", "-jar", "/opt/mpool/mpool-server.jar", "--health-check"]
# exec: java is PID 1 and gets SIGTERM for the graceful stop; "$@" passes docker run's flags.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/mpool/mpool-server.jar \"$@\"", "mpool"]
