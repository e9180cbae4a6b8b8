//! The catalogue's data, checked against `@team-plain/graphql@1.3.0`
//! (`ComponentInput`, `ComponentContainerContentInput`, `ComponentRowContentInput` and the
//! twelve `Component*Input` types) and `@team-plain/ui-components@5.0.0`. The decisions where
//! the schema leaves room are written down in `rules/README.md`.

use super::{Bounds, CardKeyRule, Catalogue, ComponentSpec, EnumSpec, FieldSpec, FieldType, Level};

/// Max characters of `text` and `plainText` (the GraphQL schema: "between 1 and 10000").
pub const TEXT_MAX_CHARS: usize = 10_000;
/// Max characters of every label (badge, link and workflow button, copy-button tooltip).
pub const LABEL_MAX_CHARS: usize = 500;
/// Max characters of `copyButtonValue`.
pub const COPY_VALUE_MAX_CHARS: usize = 1_000;

const LEAF: &[Level] = &[Level::Component, Level::ContainerContent, Level::RowContent];
const ROW: &[Level] = &[Level::Component, Level::ContainerContent];
const TOP: &[Level] = &[Level::Component];

const fn string(name: &'static str, max: Option<usize>, required: bool) -> FieldSpec {
    FieldSpec { name, ty: FieldType::String { min_chars: 1, max_chars: max, markdown: false }, required }
}

const fn one_of_enum(name: &'static str, enumeration: &'static str, required: bool) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Enum(enumeration), required }
}

const fn list(name: &'static str, level: Level, min_items: usize) -> FieldSpec {
    FieldSpec { name, ty: FieldType::List { level, min_items }, required: true }
}

/// The catalogue. Component order matches [`super::ComponentKind::ALL`].
pub static CATALOGUE: Catalogue = Catalogue {
    version: 1,
    card_key: CardKeyRule { pattern: "^[a-zA-Z0-9_-]+$", max_keys_per_request: 25 },
    time_to_live_seconds: Bounds { min: 15, max: 31_536_000 },
    enums: &[
        EnumSpec { name: "TextSize", values: &["S", "M", "L"] },
        EnumSpec { name: "TextColor", values: &["NORMAL", "MUTED", "SUCCESS", "WARNING", "ERROR"] },
        EnumSpec { name: "BadgeColor", values: &["GREY", "GREEN", "YELLOW", "RED", "BLUE"] },
        EnumSpec { name: "SpacingSize", values: &["XS", "S", "M", "L", "XL"] },
    ],
    components: &[
        ComponentSpec {
            key: "componentText",
            levels: LEAF,
            fields: &[
                FieldSpec {
                    name: "text",
                    ty: FieldType::String { min_chars: 1, max_chars: Some(TEXT_MAX_CHARS), markdown: true },
                    required: true,
                },
                one_of_enum("textSize", "TextSize", false),
                one_of_enum("textColor", "TextColor", false),
            ],
            aliases: &[("size", "textSize"), ("color", "textColor")],
        },
        ComponentSpec {
            key: "componentPlainText",
            levels: LEAF,
            fields: &[
                string("plainText", Some(TEXT_MAX_CHARS), true),
                one_of_enum("plainTextSize", "TextSize", false),
                one_of_enum("plainTextColor", "TextColor", false),
            ],
            aliases: &[],
        },
        ComponentSpec {
            key: "componentBadge",
            levels: LEAF,
            fields: &[
                string("badgeLabel", Some(LABEL_MAX_CHARS), true),
                one_of_enum("badgeColor", "BadgeColor", false),
            ],
            aliases: &[],
        },
        ComponentSpec {
            key: "componentLinkButton",
            levels: LEAF,
            fields: &[
                string("linkButtonLabel", Some(LABEL_MAX_CHARS), true),
                FieldSpec { name: "linkButtonUrl", ty: FieldType::Url { schemes: &["http", "https"] }, required: true },
            ],
            aliases: &[("label", "linkButtonLabel"), ("url", "linkButtonUrl")],
        },
        ComponentSpec {
            key: "componentCopyButton",
            levels: LEAF,
            fields: &[
                string("copyButtonValue", Some(COPY_VALUE_MAX_CHARS), true),
                string("copyButtonTooltipLabel", Some(LABEL_MAX_CHARS), false),
            ],
            aliases: &[],
        },
        ComponentSpec {
            key: "componentDivider",
            levels: LEAF,
            fields: &[one_of_enum("dividerSpacingSize", "SpacingSize", false)],
            aliases: &[("spacingSize", "dividerSpacingSize")],
        },
        ComponentSpec {
            key: "componentSpacer",
            levels: LEAF,
            fields: &[one_of_enum("spacerSize", "SpacingSize", true)],
            aliases: &[("size", "spacerSize")],
        },
        ComponentSpec {
            key: "componentWorkflowButton",
            levels: LEAF,
            fields: &[
                string("workflowButtonLabel", Some(LABEL_MAX_CHARS), true),
                FieldSpec {
                    name: "workflowButtonWorkflowIdentifier",
                    ty: FieldType::OneOf(&[string("workflowId", None, false), string("workflowKey", None, false)]),
                    required: true,
                },
            ],
            aliases: &[],
        },
        ComponentSpec {
            key: "componentDateTime",
            levels: LEAF,
            fields: &[FieldSpec { name: "dateTimeIso8601", ty: FieldType::DateTime, required: true }],
            aliases: &[],
        },
        ComponentSpec {
            key: "componentUser",
            levels: LEAF,
            fields: &[FieldSpec {
                name: "userIdentifier",
                ty: FieldType::OneOf(&[
                    string("userId", None, false),
                    string("emailAddress", None, false),
                    string("machineUserId", None, false),
                ]),
                required: true,
            }],
            aliases: &[],
        },
        ComponentSpec {
            key: "componentRow",
            levels: ROW,
            fields: &[list("rowMainContent", Level::RowContent, 1), list("rowAsideContent", Level::RowContent, 0)],
            aliases: &[],
        },
        ComponentSpec {
            key: "componentContainer",
            levels: TOP,
            fields: &[list("containerContent", Level::ContainerContent, 1)],
            aliases: &[],
        },
    ],
};
