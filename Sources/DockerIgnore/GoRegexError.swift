struct GoRegexError: Error {
    var message: String
}
