//! The protocol's method names, decoded once into enums.
//!
//! The strings come from rmcp's method constants (`CallToolRequestMethod::VALUE`
//! and so on), so there is exactly one spelling of each in the dependency
//! graph and none scattered over this crate.

use rmcp::model::{
    CallToolRequestMethod, CancelledNotificationMethod, CompleteRequestMethod, ConstString,
    CreateMessageRequestMethod, DiscoverRequestMethod, ElicitationCreateRequestMethod,
    GetPromptRequestMethod, InitializeResultMethod, InitializedNotificationMethod,
    ListPromptsRequestMethod, ListResourceTemplatesRequestMethod, ListResourcesRequestMethod,
    ListRootsRequestMethod, ListToolsRequestMethod, LoggingMessageNotificationMethod,
    PingRequestMethod, ProgressNotificationMethod, PromptListChangedNotificationMethod,
    ReadResourceRequestMethod, ResourceListChangedNotificationMethod,
    ResourceUpdatedNotificationMethod, RootsListChangedNotificationMethod, SetLevelRequestMethod,
    SubscribeRequestMethod, SubscriptionsListenRequestMethod, ToolListChangedNotificationMethod,
    UnsubscribeRequestMethod,
};

/// `notifications/subscriptions/acknowledged` (2026-07-28), which rmcp does
/// not name.
#[derive(Default)]
pub(crate) struct SubscriptionsAcknowledgedMethod;

impl ConstString for SubscriptionsAcknowledgedMethod {
    const VALUE: &str = "notifications/subscriptions/acknowledged";
}

/// The tasks extension's methods (2026-07-28, `io.modelcontextprotocol/tasks`),
/// which rmcp does not name.
macro_rules! task_methods {
    ($($name:ident = $value:literal,)*) => {$(
        #[derive(Default)]
        pub(crate) struct $name;

        impl ConstString for $name {
            const VALUE: &str = $value;
        }
    )*};
}

task_methods! {
    TasksGetMethod = "tasks/get",
    TasksUpdateMethod = "tasks/update",
    TasksCancelMethod = "tasks/cancel",
    TasksResultMethod = "tasks/result",
    TasksListMethod = "tasks/list",
}

/// Declares a method enum over rmcp's constants: incoming ones with an
/// `Other` catch-all that keeps the name for error messages, outgoing ones
/// without.
macro_rules! methods {
    (outgoing $(#[$doc:meta])* $name:ident { $($variant:ident = $konst:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $name {
            $($variant,)*
        }

        impl $name {
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => <$konst>::VALUE,)*
                }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $konst:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) enum $name {
            $($variant,)*
            /// A method this server does not know.
            Other(Box<str>),
        }

        impl $name {
            pub(crate) fn parse(name: &str) -> Self {
                $(if name == <$konst>::VALUE { return $name::$variant; })*
                $name::Other(name.into())
            }

            pub(crate) fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => <$konst>::VALUE,)*
                    $name::Other(name) => name,
                }
            }
        }
    };
}

methods! {
    /// Requests a client sends to the server.
    RequestMethod {
        Initialize = InitializeResultMethod,
        Ping = PingRequestMethod,
        ListTools = ListToolsRequestMethod,
        CallTool = CallToolRequestMethod,
        SetLogLevel = SetLevelRequestMethod,
        Discover = DiscoverRequestMethod,
        ListPrompts = ListPromptsRequestMethod,
        GetPrompt = GetPromptRequestMethod,
        ListResources = ListResourcesRequestMethod,
        ListResourceTemplates = ListResourceTemplatesRequestMethod,
        ReadResource = ReadResourceRequestMethod,
        Subscribe = SubscribeRequestMethod,
        Unsubscribe = UnsubscribeRequestMethod,
        Complete = CompleteRequestMethod,
        Listen = SubscriptionsListenRequestMethod,
        TasksGet = TasksGetMethod,
        TasksUpdate = TasksUpdateMethod,
        TasksCancel = TasksCancelMethod,
        TasksResult = TasksResultMethod,
        TasksList = TasksListMethod,
    }
}

impl RequestMethod {
    /// Whether the server answers it from what it holds, with nothing to
    /// send the client first (no handler runs: no progress, no log, no
    /// question), so it needs no stream of its own.
    pub(crate) fn is_quiet(&self) -> bool {
        matches!(
            self,
            RequestMethod::Ping
                | RequestMethod::ListTools
                | RequestMethod::ListPrompts
                | RequestMethod::ListResources
                | RequestMethod::ListResourceTemplates
        )
    }
}

methods! {
    /// Notifications a client sends to the server.
    NotificationMethod {
        Initialized = InitializedNotificationMethod,
        Cancelled = CancelledNotificationMethod,
        Progress = ProgressNotificationMethod,
        RootsListChanged = RootsListChangedNotificationMethod,
    }
}

methods! {
    outgoing
    /// Messages the server sends to a client while a request runs (or on the
    /// session's standalone stream).
    ServerMethod {
        Progress = ProgressNotificationMethod,
        Log = LoggingMessageNotificationMethod,
        CreateMessage = CreateMessageRequestMethod,
        Elicit = ElicitationCreateRequestMethod,
        ListRoots = ListRootsRequestMethod,
        ToolsChanged = ToolListChangedNotificationMethod,
        PromptsChanged = PromptListChangedNotificationMethod,
        ResourcesChanged = ResourceListChangedNotificationMethod,
        ResourceUpdated = ResourceUpdatedNotificationMethod,
        Acknowledged = SubscriptionsAcknowledgedMethod,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_kept() {
        for m in [
            RequestMethod::Initialize,
            RequestMethod::CallTool,
            RequestMethod::Discover,
        ] {
            assert_eq!(RequestMethod::parse(m.as_str()), m);
        }
        assert_eq!(RequestMethod::CallTool.as_str(), "tools/call");
        assert_eq!(
            NotificationMethod::parse("notifications/cancelled"),
            NotificationMethod::Cancelled
        );
        let other = RequestMethod::parse("x/y");
        assert_eq!(other, RequestMethod::Other("x/y".into()));
        assert_eq!(other.as_str(), "x/y");
        assert_eq!(ServerMethod::Elicit.as_str(), "elicitation/create");
    }
}
