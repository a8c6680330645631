// bottleneck's light build (no Redis), the one the Octokit plugins use, has the full build's types.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
