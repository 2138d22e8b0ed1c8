# The function image: the core (shared/, events/) and the stage handlers (functions/) on top of the
# fdk Python 3.11 runtime image. The command line (cli/) and the local cloud (localcloud/) are not
# copied: the function never imports them (tests/test_layering.py), and the project itself is not
# pip-installed, so the image has no `model-import` console script either.
# Build: `fn build` (func.yaml runtime docker) or `docker build -t <ocir>/oci-model-import:0.1.0 .`
FROM fnproject/python:3.11-dev AS build
WORKDIR /function
COPY requirements.txt ./
RUN pip3 install --target /python/ --no-cache-dir -r requirements.txt

FROM fnproject/python:3.11
WORKDIR /function
COPY --from=build /python /python
COPY shared ./shared
COPY events ./events
COPY functions ./functions
ENV PYTHONPATH=/function:/python
ENTRYPOINT ["/python/bin/fdk", "/function/functions/func.py", "handler"]
