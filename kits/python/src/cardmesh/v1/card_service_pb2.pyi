from cardmesh.v1 import components_pb2 as _components_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CardScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_SCOPE_UNSPECIFIED: _ClassVar[CardScope]
    CARD_SCOPE_CUSTOMER: _ClassVar[CardScope]
    CARD_SCOPE_THREAD: _ClassVar[CardScope]
    CARD_SCOPE_TENANT: _ClassVar[CardScope]
CARD_SCOPE_UNSPECIFIED: CardScope
CARD_SCOPE_CUSTOMER: CardScope
CARD_SCOPE_THREAD: CardScope
CARD_SCOPE_TENANT: CardScope

class DescribeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeResponse(_message.Message):
    __slots__ = ("service_name", "cards", "actions")
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    CARDS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    service_name: str
    cards: _containers.RepeatedCompositeFieldContainer[CardDefinition]
    actions: _containers.RepeatedCompositeFieldContainer[ActionDefinition]
    def __init__(self, service_name: _Optional[str] = ..., cards: _Optional[_Iterable[_Union[CardDefinition, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[ActionDefinition, _Mapping]]] = ...) -> None: ...

class ActionDefinition(_message.Message):
    __slots__ = ("name", "description", "changes_cards")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANGES_CARDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    changes_cards: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., changes_cards: _Optional[_Iterable[str]] = ...) -> None: ...

class CardDefinition(_message.Message):
    __slots__ = ("key", "title", "default_ttl_seconds", "scope")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    key: str
    title: str
    default_ttl_seconds: int
    scope: CardScope
    def __init__(self, key: _Optional[str] = ..., title: _Optional[str] = ..., default_ttl_seconds: _Optional[int] = ..., scope: _Optional[_Union[CardScope, str]] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("id", "email", "external_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    external_id: str
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., external_id: _Optional[str] = ...) -> None: ...

class Thread(_message.Message):
    __slots__ = ("id", "external_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    external_id: str
    def __init__(self, id: _Optional[str] = ..., external_id: _Optional[str] = ...) -> None: ...

class Tenant(_message.Message):
    __slots__ = ("id", "external_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    external_id: str
    def __init__(self, id: _Optional[str] = ..., external_id: _Optional[str] = ...) -> None: ...

class GetCardsRequest(_message.Message):
    __slots__ = ("card_keys", "workspace_id", "customer", "thread", "tenant")
    CARD_KEYS_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    card_keys: _containers.RepeatedScalarFieldContainer[str]
    workspace_id: str
    customer: Customer
    thread: Thread
    tenant: Tenant
    def __init__(self, card_keys: _Optional[_Iterable[str]] = ..., workspace_id: _Optional[str] = ..., customer: _Optional[_Union[Customer, _Mapping]] = ..., thread: _Optional[_Union[Thread, _Mapping]] = ..., tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class GetCardsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CardResult]
    def __init__(self, results: _Optional[_Iterable[_Union[CardResult, _Mapping]]] = ...) -> None: ...

class CardResult(_message.Message):
    __slots__ = ("key", "time_to_live_seconds", "components", "no_data", "error")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_LIVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    NO_DATA_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    key: str
    time_to_live_seconds: int
    components: CardComponents
    no_data: NoData
    error: CardError
    def __init__(self, key: _Optional[str] = ..., time_to_live_seconds: _Optional[int] = ..., components: _Optional[_Union[CardComponents, _Mapping]] = ..., no_data: _Optional[_Union[NoData, _Mapping]] = ..., error: _Optional[_Union[CardError, _Mapping]] = ...) -> None: ...

class CardComponents(_message.Message):
    __slots__ = ("components",)
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    components: _containers.RepeatedCompositeFieldContainer[_components_pb2.Component]
    def __init__(self, components: _Optional[_Iterable[_Union[_components_pb2.Component, _Mapping]]] = ...) -> None: ...

class NoData(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CardError(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class RunActionRequest(_message.Message):
    __slots__ = ("action", "workspace_id", "customer", "thread", "body_json", "idempotency_key", "preview")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    BODY_JSON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    action: str
    workspace_id: str
    customer: Customer
    thread: Thread
    body_json: str
    idempotency_key: str
    preview: bool
    def __init__(self, action: _Optional[str] = ..., workspace_id: _Optional[str] = ..., customer: _Optional[_Union[Customer, _Mapping]] = ..., thread: _Optional[_Union[Thread, _Mapping]] = ..., body_json: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., preview: _Optional[bool] = ...) -> None: ...

class RunActionResponse(_message.Message):
    __slots__ = ("succeeded", "refused", "failed")
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    succeeded: ActionSucceeded
    refused: ActionRefused
    failed: ActionFailed
    def __init__(self, succeeded: _Optional[_Union[ActionSucceeded, _Mapping]] = ..., refused: _Optional[_Union[ActionRefused, _Mapping]] = ..., failed: _Optional[_Union[ActionFailed, _Mapping]] = ...) -> None: ...

class ActionSucceeded(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class ActionRefused(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ActionFailed(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...
