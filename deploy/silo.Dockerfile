# syntax=docker/dockerfile:1
# The silo host (dalle-silo). Build from the repository root:
#   docker build -f deploy/silo.Dockerfile -t dalle-silo:cpu .
#   docker build -f deploy/silo.Dockerfile --build-arg TORCH_BACKEND=cuda -t dalle-silo:cuda .
# TORCH_BACKEND is the MSBuild property TorchBackend (Directory.Build.props): cpu (libtorch-cpu) or cuda
# (TorchSharp-cuda-linux, which carries libtorch and the CUDA runtime libraries; the node needs only the NVIDIA driver
# and container toolkit). The model is not baked in: mount the model folder at /models (see docker-compose.yml).
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
COPY silo/ silo/
RUN dotnet publish silo/DalleOrleans.Silo/DalleOrleans.Silo.csproj -c Release -o /app -p:TorchBackend=${TORCH_BACKEND}

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
# SkiaSharp (PNG encoding) loads fontconfig.
RUN apt-get update && apt-get install -y --no-install-recommends libfontconfig1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# Containers listen on every interface (probes and scrapers come from outside); the model comes from a volume.
ENV Http__Address=0.0.0.0 \
    Model__Path=/models/shapes-v2 \
    DOTNET_ENVIRONMENT=Production
# Cluster:SiloPort, Cluster:GatewayPort, Http:Port (appsettings.json defaults).
EXPOSE 11111 30000 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "dalle-silo.dll"]
