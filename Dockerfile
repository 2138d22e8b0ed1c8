# The function image: the project installed into the fdk Python 3.11 runtime image.
# Build: `fn build` (func.yaml runtime docker) or `docker build -t <ocir>/oci-model-import:0.1.0 .`
FROM fnproject/python:3.11-dev AS build
WORKDIR /function
COPY requirements.txt pyproject.toml README.md ./
RUN pip3 install --target /python/ --no-cache-dir -r requirements.txt
COPY shared ./shared
COPY events ./events
COPY functions ./functions
RUN pip3 install --target /python/ --no-cache-dir --no-deps .

FROM fnproject/python:3.11
WORKDIR /function
COPY --from=build /python /python
COPY --from=build /function/functions /function/functions
ENV PYTHONPATH=/function:/python
ENTRYPOINT ["/python/bin/fdk", "/function/functions/func.py", "handler"]
