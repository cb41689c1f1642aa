# syntax=docker/dockerfile:1
# The web front end (dalle-web), as an Orleans client of a Redis-clustered silo cluster. Build from the repository root:
#   docker build -f deploy/web.Dockerfile -t dalle-web .
# It runs no model (the silos do), so it always builds the CPU TorchSharp backend.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
COPY client/ client/
RUN dotnet publish client/DalleOrleans.Web/DalleOrleans.Web.csproj -c Release -o /app -p:TorchBackend=cpu

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
RUN apt-get update && apt-get install -y --no-install-recommends libfontconfig1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
EXPOSE 5080
USER $APP_UID
ENTRYPOINT ["dotnet", "dalle-web.dll"]
# The cluster to join comes from the command (docker-compose.yml, k8s/web.yaml): --cluster <redis> --urls http://0.0.0.0:5080
CMD ["--urls", "http://0.0.0.0:5080"]
