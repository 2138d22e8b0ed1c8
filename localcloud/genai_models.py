"""Request bodies of the Generative AI control plane (20231130), as the SDK serialises them.

Unknown properties are rejected, as OCI documents ("Properties not defined by this schema
are rejected"). Validation errors become 400 InvalidParameter naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from localcloud.web import ServiceError

Tags = dict[str, str]
DefinedTags = dict[str, dict[str, Any]]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HuggingFaceModel(Body):
    sourceType: Literal["HUGGING_FACE_MODEL"]
    modelId: str = Field(min_length=1, max_length=255)
    accessToken: str | None = Field(default=None, max_length=4096)
    branch: str | None = Field(default=None, max_length=255)
    commit: str | None = Field(default=None, max_length=64)


class ObjectStorageObject(Body):
    sourceType: Literal["OBJECT_STORAGE_OBJECT"]
    namespaceName: str = Field(min_length=1, max_length=255)
    bucketName: str = Field(min_length=1, max_length=255)
    prefixName: str = Field(max_length=1024)
    region: str | None = None


DataSource = Annotated[HuggingFaceModel | ObjectStorageObject, Field(discriminator="sourceType")]


class Described(Body):
    displayName: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=400)
    freeformTags: Tags | None = None
    definedTags: DefinedTags | None = None


class CreateImportedModelDetails(Described):
    compartmentId: str = Field(min_length=1)
    dataSource: DataSource
    vendor: str | None = None
    version: str | None = None
    capabilities: list[str] | None = None


class UpdateImportedModelDetails(Described):
    vendor: str | None = None
    version: str | None = None


class CreateDedicatedAiClusterDetails(Described):
    compartmentId: str = Field(min_length=1)
    type: str
    unitCount: int = Field(ge=1, le=1000)
    unitShape: str
    capacityReservationId: str | None = None


class UpdateDedicatedAiClusterDetails(Described):
    unitCount: int | None = Field(default=None, ge=1, le=1000)


class GuardrailConfigs(Described):
    generativeAiPrivateEndpointId: str | None = None
    contentModerationConfig: dict[str, Any] | None = None
    promptInjectionConfig: dict[str, Any] | None = None
    piiDetectionConfig: dict[str, Any] | None = None


class CreateEndpointDetails(GuardrailConfigs):
    compartmentId: str = Field(min_length=1)
    modelId: str = Field(min_length=1)
    dedicatedAiClusterId: str = Field(min_length=1)


class UpdateEndpointDetails(GuardrailConfigs):
    pass


class ChangeCompartmentDetails(Body):
    compartmentId: str = Field(min_length=1)


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], doc: Any) -> M:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise ServiceError(400, "InvalidParameter", f"invalid {model.__name__}: {problems}") from None
