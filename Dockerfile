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
ENTRYPOINT ["/parley"]
