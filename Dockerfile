# Parley gateway: a static binary on a minimal image, running as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/parley ./cmd/parley

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/parley /parley
USER nonroot:nonroot
EXPOSE 8080
# Listen on all interfaces inside the container; publish the port to choose
# who can reach it.
ENV PARLEY_ADDR=0.0.0.0:8080
# Keep Go's system monitor on its slow tick: without this it sleeps deeply
# whenever the gateway is idle for a moment and, woken by the next system
# call, polls every 20 µs; between messages that costs a fifth of the
# gateway's CPU (README, "CPU"; BENCHMARKS.md). The trace it also enables
# prints at most one line every 24 days.
ENV GODEBUG=schedtrace=2147483647
ENTRYPOINT ["/parley"]
