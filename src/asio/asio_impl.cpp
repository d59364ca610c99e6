// The one translation unit that holds Asio's and Beast's compiled code (see STYLE.md rule 9).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
