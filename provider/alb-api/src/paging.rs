//! Pagination: following `NextToken` to the last page.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::Error;
use crate::Client;

/// Page size used by [`Client::list_all`] when the request does not set `MaxResults`
/// (the API maximum).
pub const PAGE_SIZE: i32 = 100;

/// Upper bound on pages fetched by one [`Client::list_all`], a guard against a service that
/// never stops returning a `NextToken`.
const MAX_PAGES: usize = 10_000;

/// A list request (`List*` action) that pages with `MaxResults`/`NextToken`.
pub trait ListRequest: Serialize + Clone + Send + Sync {
    /// The action name, e.g. `ListRules`.
    const ACTION: &'static str;
    /// The page type returned.
    type Response: Page + DeserializeOwned + Send;
    /// Sets the `NextToken` of the next page.
    fn set_next_token(&mut self, token: Option<String>);
    /// Sets `MaxResults` if the caller did not.
    fn set_default_page_size(&mut self, size: i32);
}

/// One page of a list response.
pub trait Page {
    /// The listed item type.
    type Item;
    /// The token of the next page; `None` or empty on the last page.
    fn next_token(&self) -> Option<&str>;
    /// The items of this page.
    fn into_items(self) -> Vec<Self::Item>;
}

impl Client {
    /// Fetches one page of any list action.
    pub async fn list_page<R: ListRequest>(&self, request: &R) -> Result<R::Response, Error> {
        self.read(R::ACTION, request).await
    }

    /// Fetches every page of a list action, following `NextToken` until it is absent or empty,
    /// and returns all items in order.
    pub async fn list_all<R: ListRequest>(
        &self,
        mut request: R,
    ) -> Result<Vec<<R::Response as Page>::Item>, Error> {
        request.set_default_page_size(PAGE_SIZE);
        let mut items = Vec::new();
        let mut seen_tokens = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            let page = self.list_page(&request).await?;
            let next = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            items.extend(page.into_items());
            match next {
                None => return Ok(items),
                Some(token) => {
                    if !seen_tokens.insert(token.clone()) {
                        return Err(Error::Decode {
                            action: R::ACTION.to_string(),
                            message: "the service returned the same NextToken twice".into(),
                        });
                    }
                    request.set_next_token(Some(token));
                }
            }
        }
        Err(Error::Decode {
            action: R::ACTION.to_string(),
            message: format!("more than {MAX_PAGES} pages"),
        })
    }
}
