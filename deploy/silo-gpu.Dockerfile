# syntax=docker/dockerfile:1
# The silo for a GPU node, built the way the GPU bundle is (deploy/gpu/, deploy/README.md "GPU bundle"): the silo is
# published self-contained with -p:TorchBackend=system (the managed TorchSharp only, trimmed), and libtorch with CUDA
# comes from the PyTorch install of the runtime image, through LD_LIBRARY_PATH. No .NET runtime and no TorchSharp-cuda
# package are needed in the image: PyTorch's own CUDA libraries are used. Build from the repository root:
#   docker build -f deploy/silo-gpu.Dockerfile -t dalle-silo:gpu .
#   docker run --gpus all -v "$PWD/models:/app/models:ro" -e Model__Devices__0=cuda:0 dalle-silo:gpu
# PYTORCH_IMAGE must carry a libtorch that TorchSharp 0.107.0 binds to: it is built against libtorch 2.10; PyTorch
# 2.11 (CUDA 13) loaded it on the GPU machine (issue #18). The model is not baked in: mount the models folder at
# /app/models (the silo's default Model:Path is relative to /app) or set Model__Path.
ARG DOTNET_VERSION=10.0
ARG PYTORCH_IMAGE=pytorch/pytorch:2.10.0-cuda12.8-cudnn9-runtime

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
COPY silo/ silo/
RUN dotnet publish silo/DalleOrleans.Silo/DalleOrleans.Silo.csproj -c Release -r linux-x64 --self-contained \
    -p:TorchBackend=system -p:PublishTrimmed=true -p:TrimMode=partial -o /app

FROM ${PYTORCH_IMAGE}
# SkiaSharp (PNG encoding) loads fontconfig. /opt/libtorch names PyTorch's torch/lib wherever this image's Python keeps it.
RUN apt-get update && apt-get install -y --no-install-recommends libfontconfig1 && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(python -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')" /opt/libtorch \
 && test -f /opt/libtorch/libtorch.so
WORKDIR /app
COPY --from=build /app ./
ENV LD_LIBRARY_PATH=/opt/libtorch \
    Http__Address=0.0.0.0 \
    Model__Devices__0=cuda:0 \
    DOTNET_ENVIRONMENT=Production
# Cluster:SiloPort, Cluster:GatewayPort, Http:Port (appsettings.json defaults).
EXPOSE 11111 30000 8080
ENTRYPOINT ["/app/dalle-silo"]
