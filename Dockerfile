# The function image: the core (shared/, events/) and the stage handlers (functions/) on top of the
# fdk Python 3.11 runtime image. The command line (cli/) and the local cloud (localcloud/) are not
# copied: the function never imports them (tests/test_layering.py), and the project itself is not
# pip-installed, so the image has no `model-import` console script either.
# Build: `fn build` (func.yaml runtime docker) or `docker build -t <ocir>/oci-model-import:0.1.0 .`
# The build context is filtered by .dockerignore (tests/test_image.py checks it).
FROM fnproject/python:3.11-dev AS build
WORKDIR /function
COPY requirements.txt ./
COPY image/oci-services.txt image/oci_sdk_trim.py ./image/
# The oci SDK is ~500 MiB, one package per OCI service; only the services the function uses stay
# (image/oci-services.txt; the trim refuses a keep-list that the kept SDK code itself needs more
# than, and tests/test_image.py fails when the project imports a service the list lacks).
RUN pip3 install --target /python/ --no-cache-dir -r requirements.txt \
 && python3 image/oci_sdk_trim.py /python/oci image/oci-services.txt

FROM fnproject/python:3.11
WORKDIR /function
COPY --from=build /python /python
COPY shared ./shared
COPY events ./events
COPY functions ./functions
# OCI Functions runs the container as a non-root user that owns none of these files: make
# everything readable by others, as the Fn CLI's own Python Dockerfile does
# (fnproject/cli langs/python.go: RUN chmod -R o+r /python /function).
RUN chmod -R o+r /python /function
ENV PYTHONPATH=/function:/python
# Service packages are imported lazily (oci/__init__.py, Python >= 3.7); eager imports would ask
# for the removed ones at `import oci`.
ENV OCI_PYTHON_SDK_LAZY_IMPORTS_DISABLED=False
ENTRYPOINT ["/python/bin/fdk", "/function/functions/func.py", "handler"]
