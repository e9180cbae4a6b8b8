from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TextSize(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEXT_SIZE_UNSPECIFIED: _ClassVar[TextSize]
    TEXT_SIZE_S: _ClassVar[TextSize]
    TEXT_SIZE_M: _ClassVar[TextSize]
    TEXT_SIZE_L: _ClassVar[TextSize]

class TextColor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEXT_COLOR_UNSPECIFIED: _ClassVar[TextColor]
    TEXT_COLOR_NORMAL: _ClassVar[TextColor]
    TEXT_COLOR_MUTED: _ClassVar[TextColor]
    TEXT_COLOR_SUCCESS: _ClassVar[TextColor]
    TEXT_COLOR_WARNING: _ClassVar[TextColor]
    TEXT_COLOR_ERROR: _ClassVar[TextColor]

class BadgeColor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BADGE_COLOR_UNSPECIFIED: _ClassVar[BadgeColor]
    BADGE_COLOR_GREY: _ClassVar[BadgeColor]
    BADGE_COLOR_GREEN: _ClassVar[BadgeColor]
    BADGE_COLOR_YELLOW: _ClassVar[BadgeColor]
    BADGE_COLOR_RED: _ClassVar[BadgeColor]
    BADGE_COLOR_BLUE: _ClassVar[BadgeColor]

class SpacingSize(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPACING_SIZE_UNSPECIFIED: _ClassVar[SpacingSize]
    SPACING_SIZE_XS: _ClassVar[SpacingSize]
    SPACING_SIZE_S: _ClassVar[SpacingSize]
    SPACING_SIZE_M: _ClassVar[SpacingSize]
    SPACING_SIZE_L: _ClassVar[SpacingSize]
    SPACING_SIZE_XL: _ClassVar[SpacingSize]
TEXT_SIZE_UNSPECIFIED: TextSize
TEXT_SIZE_S: TextSize
TEXT_SIZE_M: TextSize
TEXT_SIZE_L: TextSize
TEXT_COLOR_UNSPECIFIED: TextColor
TEXT_COLOR_NORMAL: TextColor
TEXT_COLOR_MUTED: TextColor
TEXT_COLOR_SUCCESS: TextColor
TEXT_COLOR_WARNING: TextColor
TEXT_COLOR_ERROR: TextColor
BADGE_COLOR_UNSPECIFIED: BadgeColor
BADGE_COLOR_GREY: BadgeColor
BADGE_COLOR_GREEN: BadgeColor
BADGE_COLOR_YELLOW: BadgeColor
BADGE_COLOR_RED: BadgeColor
BADGE_COLOR_BLUE: BadgeColor
SPACING_SIZE_UNSPECIFIED: SpacingSize
SPACING_SIZE_XS: SpacingSize
SPACING_SIZE_S: SpacingSize
SPACING_SIZE_M: SpacingSize
SPACING_SIZE_L: SpacingSize
SPACING_SIZE_XL: SpacingSize

class Text(_message.Message):
    __slots__ = ("text", "text_size", "text_color")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TEXT_SIZE_FIELD_NUMBER: _ClassVar[int]
    TEXT_COLOR_FIELD_NUMBER: _ClassVar[int]
    text: str
    text_size: TextSize
    text_color: TextColor
    def __init__(self, text: _Optional[str] = ..., text_size: _Optional[_Union[TextSize, str]] = ..., text_color: _Optional[_Union[TextColor, str]] = ...) -> None: ...

class PlainText(_message.Message):
    __slots__ = ("plain_text", "plain_text_size", "plain_text_color")
    PLAIN_TEXT_FIELD_NUMBER: _ClassVar[int]
    PLAIN_TEXT_SIZE_FIELD_NUMBER: _ClassVar[int]
    PLAIN_TEXT_COLOR_FIELD_NUMBER: _ClassVar[int]
    plain_text: str
    plain_text_size: TextSize
    plain_text_color: TextColor
    def __init__(self, plain_text: _Optional[str] = ..., plain_text_size: _Optional[_Union[TextSize, str]] = ..., plain_text_color: _Optional[_Union[TextColor, str]] = ...) -> None: ...

class Badge(_message.Message):
    __slots__ = ("badge_label", "badge_color")
    BADGE_LABEL_FIELD_NUMBER: _ClassVar[int]
    BADGE_COLOR_FIELD_NUMBER: _ClassVar[int]
    badge_label: str
    badge_color: BadgeColor
    def __init__(self, badge_label: _Optional[str] = ..., badge_color: _Optional[_Union[BadgeColor, str]] = ...) -> None: ...

class LinkButton(_message.Message):
    __slots__ = ("link_button_label", "link_button_url")
    LINK_BUTTON_LABEL_FIELD_NUMBER: _ClassVar[int]
    LINK_BUTTON_URL_FIELD_NUMBER: _ClassVar[int]
    link_button_label: str
    link_button_url: str
    def __init__(self, link_button_label: _Optional[str] = ..., link_button_url: _Optional[str] = ...) -> None: ...

class CopyButton(_message.Message):
    __slots__ = ("copy_button_value", "copy_button_tooltip_label")
    COPY_BUTTON_VALUE_FIELD_NUMBER: _ClassVar[int]
    COPY_BUTTON_TOOLTIP_LABEL_FIELD_NUMBER: _ClassVar[int]
    copy_button_value: str
    copy_button_tooltip_label: str
    def __init__(self, copy_button_value: _Optional[str] = ..., copy_button_tooltip_label: _Optional[str] = ...) -> None: ...

class Divider(_message.Message):
    __slots__ = ("divider_spacing_size",)
    DIVIDER_SPACING_SIZE_FIELD_NUMBER: _ClassVar[int]
    divider_spacing_size: SpacingSize
    def __init__(self, divider_spacing_size: _Optional[_Union[SpacingSize, str]] = ...) -> None: ...

class Spacer(_message.Message):
    __slots__ = ("spacer_size",)
    SPACER_SIZE_FIELD_NUMBER: _ClassVar[int]
    spacer_size: SpacingSize
    def __init__(self, spacer_size: _Optional[_Union[SpacingSize, str]] = ...) -> None: ...

class WorkflowButton(_message.Message):
    __slots__ = ("workflow_button_label", "workflow_id", "workflow_key")
    WORKFLOW_BUTTON_LABEL_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_KEY_FIELD_NUMBER: _ClassVar[int]
    workflow_button_label: str
    workflow_id: str
    workflow_key: str
    def __init__(self, workflow_button_label: _Optional[str] = ..., workflow_id: _Optional[str] = ..., workflow_key: _Optional[str] = ...) -> None: ...

class DateTime(_message.Message):
    __slots__ = ("date_time_iso8601",)
    DATE_TIME_ISO8601_FIELD_NUMBER: _ClassVar[int]
    date_time_iso8601: str
    def __init__(self, date_time_iso8601: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("user_id", "email_address", "machine_user_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MACHINE_USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email_address: str
    machine_user_id: str
    def __init__(self, user_id: _Optional[str] = ..., email_address: _Optional[str] = ..., machine_user_id: _Optional[str] = ...) -> None: ...

class RowContent(_message.Message):
    __slots__ = ("text", "plain_text", "badge", "link_button", "copy_button", "divider", "spacer", "workflow_button", "date_time", "user")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PLAIN_TEXT_FIELD_NUMBER: _ClassVar[int]
    BADGE_FIELD_NUMBER: _ClassVar[int]
    LINK_BUTTON_FIELD_NUMBER: _ClassVar[int]
    COPY_BUTTON_FIELD_NUMBER: _ClassVar[int]
    DIVIDER_FIELD_NUMBER: _ClassVar[int]
    SPACER_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_BUTTON_FIELD_NUMBER: _ClassVar[int]
    DATE_TIME_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    text: Text
    plain_text: PlainText
    badge: Badge
    link_button: LinkButton
    copy_button: CopyButton
    divider: Divider
    spacer: Spacer
    workflow_button: WorkflowButton
    date_time: DateTime
    user: User
    def __init__(self, text: _Optional[_Union[Text, _Mapping]] = ..., plain_text: _Optional[_Union[PlainText, _Mapping]] = ..., badge: _Optional[_Union[Badge, _Mapping]] = ..., link_button: _Optional[_Union[LinkButton, _Mapping]] = ..., copy_button: _Optional[_Union[CopyButton, _Mapping]] = ..., divider: _Optional[_Union[Divider, _Mapping]] = ..., spacer: _Optional[_Union[Spacer, _Mapping]] = ..., workflow_button: _Optional[_Union[WorkflowButton, _Mapping]] = ..., date_time: _Optional[_Union[DateTime, _Mapping]] = ..., user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class Row(_message.Message):
    __slots__ = ("row_main_content", "row_aside_content")
    ROW_MAIN_CONTENT_FIELD_NUMBER: _ClassVar[int]
    ROW_ASIDE_CONTENT_FIELD_NUMBER: _ClassVar[int]
    row_main_content: _containers.RepeatedCompositeFieldContainer[RowContent]
    row_aside_content: _containers.RepeatedCompositeFieldContainer[RowContent]
    def __init__(self, row_main_content: _Optional[_Iterable[_Union[RowContent, _Mapping]]] = ..., row_aside_content: _Optional[_Iterable[_Union[RowContent, _Mapping]]] = ...) -> None: ...

class ContainerContent(_message.Message):
    __slots__ = ("text", "plain_text", "badge", "link_button", "copy_button", "divider", "spacer", "workflow_button", "row", "date_time", "user")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PLAIN_TEXT_FIELD_NUMBER: _ClassVar[int]
    BADGE_FIELD_NUMBER: _ClassVar[int]
    LINK_BUTTON_FIELD_NUMBER: _ClassVar[int]
    COPY_BUTTON_FIELD_NUMBER: _ClassVar[int]
    DIVIDER_FIELD_NUMBER: _ClassVar[int]
    SPACER_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_BUTTON_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    DATE_TIME_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    text: Text
    plain_text: PlainText
    badge: Badge
    link_button: LinkButton
    copy_button: CopyButton
    divider: Divider
    spacer: Spacer
    workflow_button: WorkflowButton
    row: Row
    date_time: DateTime
    user: User
    def __init__(self, text: _Optional[_Union[Text, _Mapping]] = ..., plain_text: _Optional[_Union[PlainText, _Mapping]] = ..., badge: _Optional[_Union[Badge, _Mapping]] = ..., link_button: _Optional[_Union[LinkButton, _Mapping]] = ..., copy_button: _Optional[_Union[CopyButton, _Mapping]] = ..., divider: _Optional[_Union[Divider, _Mapping]] = ..., spacer: _Optional[_Union[Spacer, _Mapping]] = ..., workflow_button: _Optional[_Union[WorkflowButton, _Mapping]] = ..., row: _Optional[_Union[Row, _Mapping]] = ..., date_time: _Optional[_Union[DateTime, _Mapping]] = ..., user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class Container(_message.Message):
    __slots__ = ("container_content",)
    CONTAINER_CONTENT_FIELD_NUMBER: _ClassVar[int]
    container_content: _containers.RepeatedCompositeFieldContainer[ContainerContent]
    def __init__(self, container_content: _Optional[_Iterable[_Union[ContainerContent, _Mapping]]] = ...) -> None: ...

class Component(_message.Message):
    __slots__ = ("text", "plain_text", "badge", "link_button", "copy_button", "divider", "spacer", "workflow_button", "row", "container", "date_time", "user")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PLAIN_TEXT_FIELD_NUMBER: _ClassVar[int]
    BADGE_FIELD_NUMBER: _ClassVar[int]
    LINK_BUTTON_FIELD_NUMBER: _ClassVar[int]
    COPY_BUTTON_FIELD_NUMBER: _ClassVar[int]
    DIVIDER_FIELD_NUMBER: _ClassVar[int]
    SPACER_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_BUTTON_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    DATE_TIME_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    text: Text
    plain_text: PlainText
    badge: Badge
    link_button: LinkButton
    copy_button: CopyButton
    divider: Divider
    spacer: Spacer
    workflow_button: WorkflowButton
    row: Row
    container: Container
    date_time: DateTime
    user: User
    def __init__(self, text: _Optional[_Union[Text, _Mapping]] = ..., plain_text: _Optional[_Union[PlainText, _Mapping]] = ..., badge: _Optional[_Union[Badge, _Mapping]] = ..., link_button: _Optional[_Union[LinkButton, _Mapping]] = ..., copy_button: _Optional[_Union[CopyButton, _Mapping]] = ..., divider: _Optional[_Union[Divider, _Mapping]] = ..., spacer: _Optional[_Union[Spacer, _Mapping]] = ..., workflow_button: _Optional[_Union[WorkflowButton, _Mapping]] = ..., row: _Optional[_Union[Row, _Mapping]] = ..., container: _Optional[_Union[Container, _Mapping]] = ..., date_time: _Optional[_Union[DateTime, _Mapping]] = ..., user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...
