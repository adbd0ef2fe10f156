"""Publishing for readers: public verdict pages, their ClaimReview, the feed and embeds."""
